package p
import ("testing";"fmt";"github.com/tagpulse/tagpulse/aggregator/geo")
func TestP(t *testing.T){
 a,_:=geo.New(geo.Options{})
 for _,p:=range [][2]float64{{31.7767,35.2345},{31.7925,35.2300},{31.7736,35.2133},{31.83,35.215},{31.73,35.185},{31.825,35.243},{31.78,35.20},{31.75,35.235}} {
  fmt.Println(p, a.Attribute(geo.Signals{HasCoordinates:true,Lat:p[0],Lon:p[1]}))
 }
 for _,s:=range []string{"Jerusalem","القدس","Al Quds","Sheikh Jarrah, Jerusalem","Bethlehem","عمان","dm","ÜT: 34.07,-118.35","Passo di Treia (MC)","University of Waterloo, ON, CA","Baveno, Piedmont","Monza e della Brianza, Lombard","Galicia","Alpes-Maritimes","Mecklenburg-West Pomerania","神奈川県","関西","ประเทศไทย","En La Autopista del Sur","Temprano, al alba.","Nord-est","seconda stella a destra","Córdoba.Argentina.","St.Louis","boulder CO","지민","서연","민준"} {
  fmt.Printf("%q %v\n", s, a.Locate(s))
 }
}
